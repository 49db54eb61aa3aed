# C types for engine.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef object _GREENLET, _SWITCH
cdef Py_ssize_t _SLOTS

cdef class Engine:
    cdef public long long now, max_cycles, seq, turns, running
    cdef public Py_ssize_t size
    cdef public long long[::1] times, seqs, slots, free
    cdef public list events, processes
    cdef public object main, failure
    cpdef at(self, long long t, fn)
    cpdef resume_at(self, long long t, glet)
    cpdef resume_next(self, glet)
    @cython.locals(i=Py_ssize_t, parent=Py_ssize_t, slot=Py_ssize_t)
    cdef _push(self, long long t, event, long long seq=*)
    @cython.locals(n=Py_ssize_t, i=Py_ssize_t, times="long long[::1]", seqs="long long[::1]",
                   slots="long long[::1]")
    cdef _grow(self)
    @cython.locals(slot=Py_ssize_t, n=Py_ssize_t, i=Py_ssize_t, child=Py_ssize_t, right=Py_ssize_t,
                   t=cython.longlong, s=cython.longlong, last=cython.longlong, ct=cython.longlong)
    cdef object _pop(self)
    @cython.locals(i=Py_ssize_t)
    cpdef clear(self)
    cpdef sync(self, long long t, glet)
    cpdef bint reach(self, long long t) except -1
    cpdef yield_until(self, long long t, glet)
    @cython.locals(turns=cython.longlong)
    cpdef suspend(self, glet)
    cpdef _run(self)
