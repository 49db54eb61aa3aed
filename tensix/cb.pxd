# C types for cb.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef class Waiter:
    cpdef sync(self)
    cpdef block(self, reason, str span=*)
    cpdef wake(self)

cdef class CircularBuffer:
    cdef public object core, name, fmt, memory, _window, _pages, owner
    cdef public int cb_id
    cdef public Py_ssize_t page_nbytes, num_pages, address, filled, reserved, received, wr_slot, rd_slot, _unpacked
    cdef public list waiters, _slot_tiles
    cdef public dict _tiles, _faces, _waits
    cdef public str _str
    cpdef _check_count(self, Py_ssize_t n, str call)
    cpdef Py_ssize_t free_pages(self)
    cpdef claim(self, Waiter k)
    cpdef _sync(self, Waiter k, str call)
    cpdef reserve_back(self, Waiter k, Py_ssize_t n)
    cpdef push_back(self, Waiter k, Py_ssize_t n)
    cpdef wait_front(self, Waiter k, Py_ssize_t n)
    cpdef pop_front(self, Waiter k, Py_ssize_t n)
    @cython.locals(key=Py_ssize_t, named=tuple)
    cpdef _wait(self, Waiter k, str side, Py_ssize_t n, Py_ssize_t have)
    @cython.locals(w=tuple, waiters=list, i=Py_ssize_t, k=Waiter)
    cpdef _wake(self, str side, Py_ssize_t have)
    cpdef Py_ssize_t write_ptr(self)
    cpdef Py_ssize_t read_ptr(self)
    @cython.locals(start=Py_ssize_t)
    cpdef front_page(self, Py_ssize_t i)
    cpdef check_back(self, Py_ssize_t i)
    @cython.locals(start=Py_ssize_t)
    cpdef back_page(self, Py_ssize_t i)
    cpdef cached_front_tile(self, Py_ssize_t i)
    @cython.locals(lo=Py_ssize_t, hi=Py_ssize_t, slot=Py_ssize_t, code=int)
    cpdef front_tiles(self, Py_ssize_t n)
