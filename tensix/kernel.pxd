# C types for kernel.py when compiled (tensix/compiled.py); the .py stays the one source.
from tensix.cb cimport CircularBuffer, Waiter
from tensix.device cimport Device
from tensix.engine cimport Engine
from tensix.tracelog cimport SpanLog

cdef class KernelProcess(Waiter):
    cdef public Device device
    cdef public Engine engine
    cdef public object timing, core, role, sram, blocked_on, label, src, glet, _fn, _args
    cdef public dict cbs
    cdef public long long t, busy_cycles, op
    cdef public bint done, _woken
    cdef public int gathers
    cdef public SpanLog spans
    cpdef sync(self)
    cpdef _after_gathers(self)
    cpdef block(self, reason, str span=*)
    cpdef wake(self)
    cpdef advance(self, str name, long long cycles, long long count=*)
    cpdef wait_until(self, str name, long long t)
    cpdef _span(self, str name, long long start, long long end, long long count=*)
    cpdef set_op(self, str label, str src)
    cpdef CircularBuffer cb(self, cb_id)
    cpdef claim_cb(self, cb_id)
    cpdef cb_reserve_back(self, cb_id, Py_ssize_t num_pages)
    cpdef cb_push_back(self, cb_id, Py_ssize_t num_pages)
    cpdef cb_wait_front(self, cb_id, Py_ssize_t num_pages)
    cpdef cb_pop_front(self, cb_id, Py_ssize_t num_pages)
    cpdef Py_ssize_t get_write_ptr(self, cb_id) except? -1
    cpdef Py_ssize_t get_read_ptr(self, cb_id) except? -1
