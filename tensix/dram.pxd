# C types for dram.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef class Bank:
    cdef public int index
    cdef public tuple noc_xy
    cdef public long long x, y
    cdef public object data, pool
    cdef public Py_ssize_t size
    cdef public double free_at
    cdef public long long bytes_read, bytes_written
    cpdef check(self, long long addr, long long nbytes, what)
    cpdef wrote(self, Py_ssize_t start, Py_ssize_t end, image=*)

cdef class Dram:
    cdef public object cfg, extents
    cdef public list banks, _bases
    cdef public dict by_xy, buffers, live_faces, landed, _unowned
    cdef public Py_ssize_t _written
    cdef public long long _top, latency, write_latency, burst, partial, read_stream, write_stream, write_buffer, began, offset
    cdef public double bytes_per_cycle, stream_rate
    cdef public bint hold_data
    cpdef buffer(self, name)
    @cython.locals(bank=Bank)
    cpdef tuple page_addr(self, buf, Py_ssize_t page)
    @cython.locals(nb=cython.Py_ssize_t, plain=tuple, first=cython.longlong, step=cython.longlong)
    cpdef Bank interleaved(self, buf, Py_ssize_t page)
    @cython.locals(nb=cython.Py_ssize_t, b=cython.Py_ssize_t, first=cython.Py_ssize_t, last=cython.Py_ssize_t,
                   slot=cython.Py_ssize_t, page=cython.Py_ssize_t, i=cython.Py_ssize_t, landed=list, bases=list)
    cpdef mark_written(self, Bank bank, long long addr, long long nbytes, long long end)
    @cython.locals(landed=cython.longlong)
    cpdef bint read_too_early(self, name, Py_ssize_t page, long long t) except -1
    @cython.locals(start=cython.double, busy=cython.double, end=cython.longlong)
    cpdef long long occupy(self, Bank bank, long long t, long long nbytes, bint write) except? -1
    cpdef double rate(self, long long nbytes, bint write)
    cpdef long long accepted(self, long long bank_done, long long nbytes)
