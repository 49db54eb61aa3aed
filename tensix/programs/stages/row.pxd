# C types for row.py when compiled (tensix/compiled.py): the fused row ops' per-tile calls in C.
from tensix.compute_api cimport ComputeKernel
from tensix.dataflow_api cimport DataflowKernel

cpdef read_row(DataflowKernel ctx, s, u, read_pages, issue_reads)
cpdef compute_row(ComputeKernel ctx, s, u, emit)
cpdef _stat(ComputeKernel ctx, str fn, cb, Py_ssize_t nt, scale, bint recip=*)
cpdef _reserve_out(ComputeKernel ctx, s, Py_ssize_t unit)
cpdef _pack(ComputeKernel ctx, Py_ssize_t idst, cb)
cpdef _norm_row(ComputeKernel ctx, s, cbx, list aux, dict held, Py_ssize_t unit, Py_ssize_t nt, emit)
cpdef _softmax_row(ComputeKernel ctx, s, cbx, cbm, Py_ssize_t unit, Py_ssize_t nt, emit)
