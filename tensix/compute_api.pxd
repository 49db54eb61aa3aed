# C types for compute_api.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython
from tensix.cb cimport CircularBuffer
from tensix.kernel cimport KernelProcess

cdef class ComputeKernel(KernelProcess):
    cdef public object fidelity, dst, _tmp, _mm_a, _mm_b, skip, packer
    cdef public list _dst_tiles, _fresh, _mm
    cdef public dict _pack_pos, _mm_costs, _costs
    cdef public set fidelities
    cdef public long long _matmul_cycles, flops
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
