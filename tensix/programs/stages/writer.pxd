# C types for writer.py when compiled (tensix/compiled.py): the elementwise steps' per-tile calls in C.
cimport cython
from tensix.dataflow_api cimport DataflowKernel

cpdef _write_each(DataflowKernel ctx, s, list pages, Py_ssize_t unit)
# a matmul's output block and a row op's row: every page's write a C call
@cython.locals(i=Py_ssize_t, n=Py_ssize_t, base=cython.longlong, size=cython.longlong)
cpdef _write_pages(DataflowKernel ctx, s, pages, reserve=*, bint spread=*)
