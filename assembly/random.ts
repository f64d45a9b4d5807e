// random kernels: (being written)
