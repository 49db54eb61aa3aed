# C types for writer.py when compiled (tensix/compiled.py): the elementwise steps' per-tile calls in C.
from tensix.dataflow_api cimport DataflowKernel

cpdef _write_each(DataflowKernel ctx, s, list pages, Py_ssize_t unit)
