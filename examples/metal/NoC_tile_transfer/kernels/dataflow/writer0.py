"""Core 0: when core 1 is ready, write the tile into core 1's src1 CB and signal it."""


def kernel_main(ctx):
    core_1_x = ctx.get_arg_val(0)
    core_1_y = ctx.get_arg_val(1)
    semaphore = ctx.get_semaphore(ctx.get_arg_val(2))

    src0_cb_index = ctx.get_compile_time_arg_val(0)
    src1_cb_index = ctx.get_compile_time_arg_val(1)
    one_tile = 1

    input_data_tile_size_bytes = ctx.get_tile_size(src0_cb_index)
    sem_addr = ctx.get_noc_addr(core_1_x, core_1_y, semaphore)
    sem_ptr = ctx.l1_ptr(semaphore)

    ctx.cb_wait_front(src0_cb_index, one_tile)
    ctx.DPRINT("3. WRITER 0: Data available in src0 CB")

    ctx.noc_semaphore_wait(sem_ptr, 1)

    core1_data_ptr = ctx.get_read_ptr(src1_cb_index)
    core1_noc_addr = ctx.get_noc_addr(core_1_x, core_1_y, core1_data_ptr)
    data_l1_ptr = ctx.get_write_ptr(src0_cb_index)

    ctx.noc_async_write(data_l1_ptr, core1_noc_addr, input_data_tile_size_bytes)
    ctx.noc_async_write_barrier()

    ctx.noc_semaphore_inc(sem_addr, 1)
    ctx.noc_async_atomic_barrier()
    ctx.noc_semaphore_set(sem_ptr, 0)

    ctx.cb_pop_front(src0_cb_index, one_tile)
    ctx.DPRINT("4. WRITER 0: Data sent to core 1 from core 0")
