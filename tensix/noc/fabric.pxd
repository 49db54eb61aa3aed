# C types for fabric.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef class Fabric:
    cdef public object cfg
    cdef public int width, height
    cdef public list free_at, link_bytes, link_busy, niu_free, noc_bytes
    cdef public dict _routes, _mcasts, _requests, _hops
    cdef public long long _maxp, _niu, _hop, _hdr, _lbpc, _tiles
    cpdef long long request_cycles(self, int noc, tuple src, tuple dst) except? -1
    cdef long long _key(self, long long noc, tuple src, tuple dst) except? -1
    @cython.locals(maxp=cython.longlong, niu=cython.longlong, hop=cython.longlong, ni=cython.Py_ssize_t,
                   inj=cython.longlong, start=cython.longlong, end=cython.longlong, remaining=cython.longlong,
                   flits_sent=cython.longlong, pb=cython.longlong, flits=cython.longlong, head=cython.longlong,
                   s=cython.longlong, done=cython.longlong, lid=cython.Py_ssize_t, free=list, ids=tuple,
                   key=cython.longlong, load=list, hit=tuple)
    cpdef tuple unicast(self, int noc, tuple src, tuple dst, long long nbytes, long long t)
