# C types for compute.py when compiled (tensix/compiled.py): the matmul's k-step loop calls the compute API in C.
cimport cython
from tensix.cb cimport CircularBuffer
from tensix.compute_api cimport ComputeKernel

@cython.locals(kt=Py_ssize_t, kb=Py_ssize_t, last=Py_ssize_t, k0=Py_ssize_t, kc=Py_ssize_t, n=Py_ssize_t,
               i0=Py_ssize_t, h=Py_ssize_t, j0=Py_ssize_t, w=Py_ssize_t, acc=bint)
cpdef _matmul_spilled(ComputeKernel ctx, s, u, Py_ssize_t bn, list subs, cba, cbb)
@cython.locals(a0=Py_ssize_t, ka=Py_ssize_t)
cpdef _matmul_steps(ComputeKernel ctx, s, cba, cbb, Py_ssize_t i0, Py_ssize_t rows, Py_ssize_t k0, Py_ssize_t kc,
                    Py_ssize_t j0, Py_ssize_t bn, Py_ssize_t cols)
@cython.locals(a0=Py_ssize_t, ka=Py_ssize_t, kk=Py_ssize_t, i=Py_ssize_t)
cpdef _matmul_calls(ComputeKernel ctx, s, cba, cbb, Py_ssize_t i0, Py_ssize_t rows, Py_ssize_t k0, Py_ssize_t kc,
                    Py_ssize_t j0, Py_ssize_t bn, Py_ssize_t cols)
@cython.locals(d=Py_ssize_t, run=Py_ssize_t)
cpdef _pack_mid(ComputeKernel ctx, Py_ssize_t n)
cpdef _wait_a(ComputeKernel ctx, s, cba, Py_ssize_t unit, Py_ssize_t k0)
cpdef _pop_a(ComputeKernel ctx, s, cba, Py_ssize_t unit, Py_ssize_t k0)
# the elementwise and reduce steps' per-tile calls, in C too
cpdef _chain(ComputeKernel ctx, tuple chain, Py_ssize_t idst)
cpdef _binary_pages(ComputeKernel ctx, s, cba, cbb, Py_ssize_t unit, out)
@cython.locals(code=int, fa=int, fb=int)
cpdef _binary_tile(ComputeKernel ctx, s, tuple op, cba, cbb, Py_ssize_t ib)
@cython.locals(n=Py_ssize_t)
cpdef _reduce_rows(ComputeKernel ctx, s, cb, Py_ssize_t unit, out)
cpdef _emit_el(ComputeKernel ctx, tuple chain, cb, Py_ssize_t unit)
cpdef _pass_tile(ComputeKernel ctx, tuple chain, out, Py_ssize_t unit, cb, bint transpose=*)
# the fused elementwise step's per-tile calls
@cython.locals(n=Py_ssize_t, c=CircularBuffer, left=Py_ssize_t)
cpdef _fused_pages(ComputeKernel ctx, s, cba, cbb, Py_ssize_t ib, Py_ssize_t unit, out, list sizes, list items,
                   tuple op)
@cython.locals(cycles=Py_ssize_t, fmt=int)
cpdef _join(ComputeKernel ctx, tuple item)
