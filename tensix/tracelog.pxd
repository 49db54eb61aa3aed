# C types for tracelog.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef class _Columns:
    cdef public Py_ssize_t width, at, n
    cdef public list chunks
    cdef public long long[::1] data
    cpdef _chunk(self, Py_ssize_t size)
    @cython.locals(at=Py_ssize_t)
    cpdef Py_ssize_t room(self) except -1

cdef class TransferLog:
    cdef public bint keep
    cdef public list shapes
    cdef public dict _ids
    cdef public _Columns _cols
    cpdef add(self, key, int noc, str kind, k, src, dst, rect, long long nbytes, long long start, long long end, links)
    cpdef Py_ssize_t shape(self, key, int noc, str kind, k, src, dst, rect, links) except -1
    @cython.locals(j=cython.Py_ssize_t, cols=_Columns)
    cpdef row(self, Py_ssize_t i, long long nbytes, long long start, long long end)

cdef class SpanLog:
    cdef public bint keep
    cdef public list names
    cdef public dict _name_ids
    cdef public _Columns _cols
    cdef public object name, _last_name
    cdef public long long start, end, count, op
    cdef public Py_ssize_t _last_id
    cpdef add(self, str name, long long start, long long end, long long count, long long op)
    @cython.locals(j=cython.Py_ssize_t, cols=_Columns, i=cython.Py_ssize_t)
    cpdef _close(self)
