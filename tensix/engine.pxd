# C types for engine.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef object _GREENLET, _SWITCH

cdef class Engine:
    cdef public long long now, max_cycles
    cdef public dict due
    cdef public list cycles, processes, _spare
    cdef public object main
    cpdef at(self, long long t, fn)
    cpdef resume_at(self, long long t, glet)
    @cython.locals(key=object)
    cdef list _queue(self, long long t)
    @cython.locals(queue=list)
    cdef object _next(self)
    cpdef sync(self, long long t, glet)
    @cython.locals(cycles=list, first=cython.longlong)
    cpdef bint reach(self, long long t) except -1
    cpdef yield_until(self, long long t, glet)
    @cython.locals(cycles=list, queue=list, when=cython.longlong)
    cpdef suspend(self)
    @cython.locals(first=cython.longlong)
    cpdef _run(self)
