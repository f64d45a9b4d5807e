// gemm kernels: (being written)
