# C types for device.py when compiled (tensix/compiled.py); the .py stays the one source.
cimport cython
from tensix.dram cimport Dram
from tensix.engine cimport Engine
from tensix.noc.fabric cimport Fabric, Path
from tensix.tracelog cimport TransferLog

from tensix.core cimport Core

@cython.locals(word=cython.longlong)
cdef bint _lands_on_waited(Core core, long long addr, long long nbytes) except -1
cdef tuple _KINDS

cdef class Endpoint:
    cdef public unsigned char[::1] view
    cdef public Py_ssize_t size
    cdef public Core core
    cdef public object bank

cdef class _SemLanding:
    cdef public object cores, update
    cdef public long long addr

cdef class Device:
    cdef public object cfg, timing, zero_skip, pool
    cdef public Dram dram
    cdef public Engine engine
    cdef public Fabric fabric
    cdef public dict cores, by_noc, noc_of, _op_ids, _groups
    cdef public TransferLog transfers
    cdef public list kernels, ops, _mem, _dsts
    cdef public long long _align, _response, max_transfers, _w
    cdef public double _read_rate
    cdef public bint timing_only
    cdef _record(self, k, key, int noc, str kind, src, dst, rect, long long nbytes, long long start, long long end,
                 links)
    @cython.locals(transfers=TransferLog, op=cython.longlong)
    cdef _record_on(self, k, Path p, int kind, int noc, long long nbytes, long long start, long long end)
    @cython.locals(sx=cython.longlong, sy=cython.longlong, sa=cython.longlong, dx=cython.longlong,
                   dy=cython.longlong, da=cython.longlong)
    cpdef long long transfer(self, k, str kind, int noc, tuple src, tuple dst, long long nbytes, long long t,
                             timed=*) except? -1
    @cython.locals(align=cython.longlong, copied=cython.longlong, kind=str,
                   start_at=cython.longlong, bank_done=cython.longlong, end=cython.longlong, mem=list,
                   done=cython.longlong, landed=cython.longlong, last=cython.longlong, w=cython.longlong, dram=Dram,
                   src_m=Endpoint, dst_m=Endpoint, fabric=Fabric, there=Path, back=Path, dcore=object,
                   i=cython.Py_ssize_t, j=cython.Py_ssize_t)
    cpdef long long move(self, k, bint read, int noc, long long sx, long long sy, long long sa, long long dx,
                         long long dy, long long da, long long nbytes, long long t, long long timed=*) except? -1
    cpdef Py_ssize_t op_index(self, str label, str src)
