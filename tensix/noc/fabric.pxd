# C types for fabric.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython

cdef class Path:
    cdef public long long key, request, flits, nbytes
    cdef public int noc
    cdef public Py_ssize_t ni
    cdef public tuple src, dst, links
    cdef public long long[::1] ids
    cdef public Path back
    cdef public object issuer
    cdef public long long issuer_op
    cdef public Py_ssize_t shape
    cdef public int issuer_kind

cdef class McastPlan:
    cdef public long long[::1] lids, parents, leaves, head_after
    cdef public tuple links

cdef class Fabric:
    cdef public object cfg
    cdef public int width, height
    cdef public long long[::1] free_at, link_bytes, link_busy, niu_free
    cdef public long long[::1] _noc_bytes
    cdef public dict _routes, _mcasts, _paths, _mcast_returns
    cdef public list _by_key
    cdef public long long _maxp, _niu, _hop, _hdr, _lbpc, _tiles, sent
    cdef public double _wrate
    @cython.locals(key=cython.longlong, p=Path, inside=bint)
    cpdef Path path(self, int noc, long long sx, long long sy, long long dx, long long dy)
    cpdef long long request_cycles(self, int noc, tuple src, tuple dst) except? -1
    cpdef tuple unicast(self, int noc, tuple src, tuple dst, long long nbytes, long long t, double rate=*)
    @cython.locals(maxp=cython.longlong, niu=cython.longlong, hop=cython.longlong, ni=cython.Py_ssize_t,
                   inj=cython.longlong, end=cython.longlong, remaining=cython.longlong,
                   flits_sent=cython.longlong, pb=cython.longlong, flits=cython.longlong, head=cython.longlong,
                   s=cython.longlong, done=cython.longlong, lid=cython.Py_ssize_t,
                   inject=cython.double, packet=cython.longlong, nids=cython.Py_ssize_t, i=cython.Py_ssize_t)
    cpdef long long send(self, Path p, long long nbytes, long long t, double rate=*) except? -1
    @cython.locals(free="long long[::1]", busy="long long[::1]", lbytes="long long[::1]", lid=cython.Py_ssize_t,
                   inj=cython.longlong, s=cython.longlong, head=cython.longlong, flits=cython.longlong,
                   pb=cython.longlong, remaining=cython.longlong, end=cython.longlong, start=cython.longlong,
                   ni=cython.Py_ssize_t, setup=cython.longlong, rate=cython.double, extra=cython.longlong,
                   inject=cython.double, packet=cython.longlong,
                   plan=McastPlan, lids="long long[::1]", parents="long long[::1]", leaves="long long[::1]",
                   head_after="long long[::1]", niu=cython.longlong, hop=cython.longlong, nlinks=cython.Py_ssize_t,
                   nleaves=cython.Py_ssize_t, i=cython.Py_ssize_t, j=cython.Py_ssize_t, parent=cython.Py_ssize_t,
                   leaf=cython.Py_ssize_t)
    cpdef tuple multicast(self, int noc, tuple src, tuple dsts, long long nbytes, long long t,
                          bint linked_in=*, bint linked=*)
    @cython.locals(busy="long long[::1]", lbytes="long long[::1]", ids="long long[::1]", p=Path, i=cython.Py_ssize_t,
                   lid=cython.Py_ssize_t)
    cpdef list used_links(self)
    @cython.locals(p=Path, nlinks=cython.Py_ssize_t)
    cpdef reset(self)
