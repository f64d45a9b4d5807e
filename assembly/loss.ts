// loss kernels: (being written)
