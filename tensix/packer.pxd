# C types for packer.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython
from tensix.cb cimport CircularBuffer
from tensix.tracelog cimport SpanLog

cdef class Packer:
    cdef public long long t, busy_cycles
    cdef public list halves
    cdef public dict done, _costs
    cdef public SpanLog spans
    @cython.locals(start=cython.longlong, done=list, size=Py_ssize_t, p=Py_ssize_t)
    cpdef pack(self, CircularBuffer cb, Py_ssize_t first, long long at, long long cycles, Py_ssize_t count,
               long long op)
    @cython.locals(done=list, size=Py_ssize_t, first=Py_ssize_t, i=Py_ssize_t, latest=cython.longlong,
                   v=cython.longlong)
    cpdef long long ready(self, CircularBuffer cb, Py_ssize_t n) except? -1
    cpdef long long cost(self, timing, str fmt, bint accumulate) except? -1
    cpdef release(self)
