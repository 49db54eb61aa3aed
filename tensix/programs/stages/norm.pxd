# C types for norm.py when compiled (tensix/compiled.py): a shared norm's per-core loops call the compute API in C.
cimport cython
from tensix.compute_api cimport ComputeKernel

@cython.locals(unit=Py_ssize_t, n=Py_ssize_t, rnd=Py_ssize_t, src_pages=Py_ssize_t)
cpdef compute_norm_parts(ComputeKernel ctx, s, u, emit)
@cython.locals(j=Py_ssize_t)
cpdef _partial(ComputeKernel ctx, str fn, cb, Py_ssize_t n, scale, Py_ssize_t unit)
cpdef _ship(ComputeKernel ctx, Py_ssize_t idst, Py_ssize_t unit)
@cython.locals(k=Py_ssize_t, p=Py_ssize_t, at=Py_ssize_t)
cpdef _combine(ComputeKernel ctx, s, Py_ssize_t rnd, Py_ssize_t idst)
