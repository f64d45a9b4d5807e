// activation kernels: (being written)
