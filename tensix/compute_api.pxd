# C types for compute_api.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython
from tensix.cb cimport CircularBuffer
from tensix.kernel cimport KernelProcess
from tensix.packer cimport Packer

cdef class ComputeKernel(KernelProcess):
    cdef public object fidelity, dst, _tmp, _mm_a, _mm_b, skip
    cdef public Packer packer
    cdef public list _dst_tiles, _fresh, _mm
    cdef public dict _pack_pos, _mm_costs, _costs, _mm_blocks
    cdef public tuple _last_block
    cdef public set fidelities
    cdef public long long _matmul_cycles, flops, fastest_matmul
    cdef public double threshold
    cdef public bint math, l1_acc
    cpdef _d(self, Py_ssize_t idst)
    @cython.locals(cost=tuple)
    cpdef _spend(self, tuple key, long long n=*)
    @cython.locals(i=Py_ssize_t, fresh=list, tiles=list)
    cpdef tile_regs_acquire(self)
    @cython.locals(cb=CircularBuffer)
    cpdef _tile(self, cb_id, Py_ssize_t i)
    @cython.locals(ca=CircularBuffer, cb=CircularBuffer)
    cpdef matmul_tiles(self, cb_a, cb_b, Py_ssize_t ia, Py_ssize_t ib, Py_ssize_t idst)
    cpdef _flush(self)
    @cython.locals(cb=CircularBuffer)
    cpdef pack_tile(self, Py_ssize_t idst, cb_id, index=*)
    # the calls a compiled schedule's matmul makes per sub-block (tensix/programs/stages/compute.pxd calls them in C)
    cpdef tile_regs_acquire(self)
    cpdef tile_regs_release(self)
    @cython.locals(n=Py_ssize_t, d=Py_ssize_t, ca=CircularBuffer, cb=CircularBuffer, fresh=list)
    cpdef matmul_block(self, cb_a, cb_b, Py_ssize_t ia, Py_ssize_t ib, Py_ssize_t idst, transpose=*,
                       Py_ssize_t ct=*, Py_ssize_t rt=*, Py_ssize_t kt=*)
    cpdef long long _mm_cost(self, fmt) except? -1
    @cython.locals(last=tuple, key=tuple)
    cpdef long long block_cycles(self, CircularBuffer ca, CircularBuffer cb, Py_ssize_t rt=*, Py_ssize_t ct=*) except? -1
    cpdef pack_reconfig_l1_acc(self, enable)
    @cython.locals(cb=CircularBuffer, pos=Py_ssize_t)
    cpdef pack_block(self, Py_ssize_t idst, cb_id, Py_ssize_t n, index=*)
    cpdef _charge_pack(self, CircularBuffer cb, Py_ssize_t pos, long long cycles, Py_ssize_t n)
    cpdef _accumulate(self, CircularBuffer cb, Py_ssize_t pos, Py_ssize_t idst, Py_ssize_t n)
    @cython.locals(c=CircularBuffer)
    cpdef copy_block(self, cb, Py_ssize_t i, Py_ssize_t idst, Py_ssize_t n)
    cpdef cb_push_back(self, cb_id, Py_ssize_t num_pages)
    cpdef cb_wait_front(self, cb_id, Py_ssize_t num_pages)
    # the elementwise, broadcast, copy, reduce and SFPU tile ops the compiled stages call per tile
    cpdef _binary(self, str name, int code, cb_a, cb_b, Py_ssize_t ia, Py_ssize_t ib, Py_ssize_t idst)
    cpdef int _dim(self, str dim) except? -1
    cpdef bcast_tiles(self, str op, str dim, cb_a, cb_b, Py_ssize_t ia, Py_ssize_t ib, Py_ssize_t idst)
    cpdef bcast_dst_tiles(self, str op, str dim, Py_ssize_t idst, cb_b, Py_ssize_t ib)
    cpdef copy_tile(self, cb, Py_ssize_t i, Py_ssize_t idst)
    cpdef transpose_tile(self, cb, Py_ssize_t i, Py_ssize_t idst)
    cpdef reduce_tile(self, str op, str dim, cb, Py_ssize_t i, Py_ssize_t idst, scale=*)
    cpdef _reduce(self, int code, str dim, cb, Py_ssize_t i, Py_ssize_t idst, scale)
    cpdef unary_tile(self, str op, Py_ssize_t idst)
