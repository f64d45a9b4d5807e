// data kernels: (being written)
