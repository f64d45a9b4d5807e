// reduce kernels: (being written)
