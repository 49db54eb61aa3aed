# C types for reader.py when compiled (tensix/compiled.py): the elementwise steps' per-tile calls in C.
cimport cython
from tensix.cb cimport CircularBuffer
from tensix.dataflow_api cimport DataflowKernel

cpdef _read_pairs(DataflowKernel ctx, s, cba, cbb, Py_ssize_t unit)
cpdef _read_page(DataflowKernel ctx, cb, str name, Py_ssize_t page, noc, Py_ssize_t unit)
@cython.locals(i=Py_ssize_t, n=Py_ssize_t, offset=Py_ssize_t, c=CircularBuffer, room=Py_ssize_t, pages=list, dsts=list,
               buffers=list)
cpdef _read_groups(DataflowKernel ctx, list a_pages, str a, cba, Py_ssize_t unit, noc, list sizes, list reads)
