/* io_uring closed loop: one read in flight per packet buffer; a completed read is reflected and written
 * back from the same buffer, a completed write re-arms the read. Submission and completion are batched
 * through io_uring_submit_and_wait. Prints "packets seconds cpu_seconds". */
#include "tunloop_common.h"
#include <liburing.h>

#define WRITE_BIT 1ULL

int main(int argc, char **argv)
{
    if (argc != 6) usage(argv[0]);
    int fd = tun_attach(argv[1]);
    int payload = atoi(argv[2]), inflight = atoi(argv[3]);
    double warmup = atof(argv[4]), measure = atof(argv[5]);
    inject(fd, inflight, payload);

    int slots = inflight;
    unsigned entries = 1;
    while (entries < (unsigned)(2 * slots)) entries <<= 1;
    struct io_uring ring;
    int r = io_uring_queue_init(entries, &ring, 0);
    if (r < 0) { fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-r)); return 1; }
    uint8_t *bufs = aligned_alloc(64, (size_t)slots * SLOT);
    for (int i = 0; i < slots; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        io_uring_prep_read(sqe, fd, bufs + (size_t)i * SLOT, SLOT, 0);
        io_uring_sqe_set_data64(sqe, (uint64_t)i << 1);
    }

    uint64_t count = 0, start_count = 0;
    double t0 = now_s(), start = 0, cpu0 = 0, end = t0 + warmup + measure;
    int measuring = 0;
    for (;;) {
        r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR) { fprintf(stderr, "submit: %s\n", strerror(-r)); return 1; }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            uint64_t data = io_uring_cqe_get_data64(cqe);
            int slot = (int)(data >> 1);
            uint8_t *buf = bufs + (size_t)slot * SLOT;
            struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
            if (!sqe) { fprintf(stderr, "sq full\n"); return 1; }
            if (!(data & WRITE_BIT) && cqe->res > 0 && reflect(buf, cqe->res)) {
                io_uring_prep_write(sqe, fd, buf, cqe->res, 0);
                io_uring_sqe_set_data64(sqe, data | WRITE_BIT);
            } else {
                if (data & WRITE_BIT) count++;
                else if (cqe->res < 0 && cqe->res != -EAGAIN && cqe->res != -EINTR) { fprintf(stderr, "read: %s\n", strerror(-cqe->res)); return 1; }
                io_uring_prep_read(sqe, fd, buf, SLOT, 0);
                io_uring_sqe_set_data64(sqe, (uint64_t)slot << 1);
            }
        }
        io_uring_cq_advance(&ring, seen);
        double t = now_s();
        if (!measuring && t >= t0 + warmup) { measuring = 1; start = t; start_count = count; cpu0 = cpu_s(); }
        if (t >= end) { printf("%llu %.6f %.6f\n", (unsigned long long)(count - start_count), t - start, cpu_s() - cpu0); return 0; }
    }
}
