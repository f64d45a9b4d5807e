// optim kernels: (being written)
