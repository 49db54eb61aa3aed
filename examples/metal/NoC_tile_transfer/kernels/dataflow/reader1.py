"""Core 1: reserve src1, tell core 0 it may write, wait until it has, push the tile on."""


def kernel_main(ctx):
    core_0_x = ctx.get_arg_val(0)
    core_0_y = ctx.get_arg_val(1)
    semaphore = ctx.get_semaphore(ctx.get_arg_val(2))

    src1_cb_index = ctx.get_compile_time_arg_val(1)
    one_tile = 1
    sem_ptr = ctx.l1_ptr(semaphore)

    ctx.DEVICE_PRINT("5. READER 1: Preparing for data transfer")
    ctx.cb_reserve_back(src1_cb_index, one_tile)

    sem_addr = ctx.get_noc_addr(core_0_x, core_0_y, semaphore)
    ctx.noc_semaphore_inc(sem_addr, 1)
    ctx.noc_async_atomic_barrier()

    ctx.noc_semaphore_wait(sem_ptr, 1)
    ctx.noc_semaphore_set(sem_ptr, 0)

    ctx.DEVICE_PRINT("6. READER 1: Data received and stored in src1")
    ctx.cb_push_back(src1_cb_index, one_tile)
