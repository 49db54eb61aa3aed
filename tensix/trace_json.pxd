# C types for trace_json.py when compiled (tensix/compiled.py): the rows' text written byte by byte.
cimport cython

@cython.locals(total=Py_ssize_t, f=Py_ssize_t, i=Py_ssize_t, t=Py_ssize_t, v=cython.longlong)
cpdef Py_ssize_t _rows_nbytes(const long long[::1] offsets, Py_ssize_t lits, Py_ssize_t k, const long long[::1] base,
                              const long long[::1] sizes, const long long[::1] cols, Py_ssize_t n) except -1

@cython.locals(at=Py_ssize_t, i=Py_ssize_t, f=Py_ssize_t, j=Py_ssize_t, t=Py_ssize_t, v=cython.longlong,
               end=Py_ssize_t, rest=cython.longlong)
cpdef Py_ssize_t _write_rows(unsigned char[::1] buf, const unsigned char[::1] pool, const long long[::1] offsets,
                             Py_ssize_t lits, Py_ssize_t k, const long long[::1] base, const long long[::1] sizes,
                             const long long[::1] cols, Py_ssize_t n) except -1

@cython.locals(i=Py_ssize_t)
cpdef Py_ssize_t _map_ids(long long[::1] out, const long long[::1] ids, const long long[::1] at, Py_ssize_t n) except -1

cdef class _Pool:
    cdef public bytearray data
    cdef public object offsets
    cdef public dict _tables, _pieces
