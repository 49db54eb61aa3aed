# C types for dataflow_api.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython
from tensix.dram cimport Bank, Dram
from tensix.kernel cimport KernelProcess

cdef class _Gather:
    cdef public DataflowKernel k
    cdef public list srcs
    cdef public long long dst_l1, stride, nbytes, t
    cdef public int noc
    cdef public Py_ssize_t i
    cdef public object buffer
    cdef public list dsts, bufs
    @cython.locals(k=DataflowKernel, i=cython.Py_ssize_t, t=cython.longlong, end=cython.longlong,
                   sx=cython.longlong, sy=cython.longlong, sa=cython.longlong, da=cython.longlong)
    cpdef issue(self)

cdef class DataflowKernel(KernelProcess):
    cdef public int noc
    cdef public tuple noc_xy
    cdef public long long reads_done, writes_done, issue_cycles, read_issue_cycles
    cdef public bint mcast_linked, sync_after
    cdef public object skip
    cdef public dict _mcast_addrs
    cpdef tuple get_noc_addr(self, x, y, addr)
    cpdef long long _issue(self, long long cycles=*) except? -1
    cpdef noc_async_read(self, tuple src, long long dst_l1, long long nbytes, noc=*, timed=*)
    cpdef noc_async_write(self, long long src_l1, tuple dst, long long nbytes, noc=*, timed=*)
    cpdef noc_async_read_page(self, str buffer, Py_ssize_t page, long long dst_l1, noc=*)
    @cython.locals(dram=Dram, end=cython.longlong, bank=Bank, offset=cython.longlong)
    cpdef _read_page(self, str buffer, Py_ssize_t page, long long dst_l1, noc, long long t)
    @cython.locals(dram=Dram, end=cython.longlong, bank=Bank, t=cython.longlong, offset=cython.longlong)
    cpdef noc_async_write_page(self, str buffer, Py_ssize_t page, long long src_l1, noc=*)
    cpdef noc_async_read_barrier(self)
    cpdef read_barrier_synced(self)
    cpdef noc_async_read_pages_into(self, list buffers, list pages, list dsts, noc=*)
    cpdef _gathered(self)
    cpdef _gather_rest(self, _Gather gather)
    cpdef noc_async_write_barrier(self)
    cpdef int _noc(self, noc) except? -1
