# C types for core.py when compiled (tensix/compiled.py); the .py stays the one source.
cdef class Core:
    cdef public object core, noc_xy, cfg, sram
    cdef public unsigned int[::1] _words
    cdef public dict cbs, semaphores, l1_buffers
    cdef public list sem_waiters
    cdef public long long sem_base, sem_count
    cpdef long long _index(self, long long addr) except? -1
    cpdef long long sem_get(self, long long addr) except? -1
    cpdef sem_set(self, long long addr, long long value)
    cpdef sem_apply(self, long long addr, update)
    cpdef notify(self)
