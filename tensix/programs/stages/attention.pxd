# C types for attention.py when compiled (tensix/compiled.py): the online softmax's per-tile calls in C.
cimport cython
from tensix.compute_api cimport ComputeKernel

cpdef _pack(ComputeKernel ctx, cb)
@cython.locals(dt=Py_ssize_t, rec=Py_ssize_t, at=Py_ssize_t, j=Py_ssize_t, t=Py_ssize_t)
cpdef _row_chunk(ComputeKernel ctx, s, tuple cbs, cbm, u, Py_ssize_t i, Py_ssize_t kn, Py_ssize_t held, bint update)
@cython.locals(rec=Py_ssize_t, t=Py_ssize_t)
cpdef _finish(ComputeKernel ctx, s, u, Py_ssize_t qn)
