# C types for fabric.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef class Fabric:
    cdef public object cfg
    cdef public int width, height
    cdef public long long[::1] free_at, link_bytes, link_busy, niu_free
    cdef public list noc_bytes
    cdef public dict _routes, _mcasts, _requests, _hops, _mcast_returns
    cdef public long long _maxp, _niu, _hop, _hdr, _lbpc, _tiles
    cpdef long long request_cycles(self, int noc, tuple src, tuple dst) except? -1
    @cython.locals(sx=cython.longlong, sy=cython.longlong, dx=cython.longlong, dy=cython.longlong)
    cdef long long _key(self, long long noc, tuple src, tuple dst) except? -1
    @cython.locals(maxp=cython.longlong, niu=cython.longlong, hop=cython.longlong, ni=cython.Py_ssize_t,
                   inj=cython.longlong, start=cython.longlong, end=cython.longlong, remaining=cython.longlong,
                   flits_sent=cython.longlong, pb=cython.longlong, flits=cython.longlong, head=cython.longlong,
                   s=cython.longlong, done=cython.longlong, lid=cython.Py_ssize_t, ids=tuple, free="long long[::1]",
                   sx=cython.Py_ssize_t, sy=cython.Py_ssize_t,
                   key=cython.longlong, load=list, hit=tuple)
    cpdef tuple unicast(self, int noc, tuple src, tuple dst, long long nbytes, long long t, double rate=*)
    @cython.locals(free="long long[::1]", busy="long long[::1]", lbytes="long long[::1]", lid=cython.Py_ssize_t,
                   inj=cython.longlong, s=cython.longlong, head=cython.longlong, flits=cython.longlong,
                   pb=cython.longlong, remaining=cython.longlong, end=cython.longlong, start=cython.longlong,
                   ni=cython.Py_ssize_t, setup=cython.longlong, rate=cython.double,
                   extra=cython.longlong)
    cpdef tuple multicast(self, int noc, tuple src, tuple dsts, long long nbytes, long long t,
                          bint linked_in=*, bint linked=*)
