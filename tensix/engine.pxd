# C types for engine.py when compiled (tensix/compiled.py); the .py stays the one source.
cdef class Engine:
    cdef public long long now, max_cycles
    cdef public dict due
    cdef public list cycles, processes
    cdef public object main
    cpdef at(self, long long t, fn)
    cpdef resume_at(self, long long t, glet)
    cdef object _queue(self, long long t)
    cdef object _next(self)
    cdef bint _kernel_next(self) except -1
    cpdef advance_alone(self, long long t)
    cpdef yield_until(self, long long t, glet)
    cpdef suspend(self)
