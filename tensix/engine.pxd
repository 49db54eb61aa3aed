# C types for engine.py when compiled (tensix/compiled.py); the .py stays the one source.
cdef class Engine:
    cdef public long long now, max_cycles, _seq
    cdef public list heap, processes
    cdef public object main
    cpdef at(self, long long t, fn)
    cpdef resume_at(self, long long t, glet)
    cpdef yield_until(self, long long t, glet)
    cpdef suspend(self)
