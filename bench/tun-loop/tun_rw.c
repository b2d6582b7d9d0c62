/* Minimal closed loop: blocking read() one packet, reflect, write() it back. Prints "packets seconds cpu_seconds". */
#include "tunloop_common.h"

int main(int argc, char **argv)
{
    if (argc != 6) usage(argv[0]);
    int fd = tun_attach(argv[1]);
    int payload = atoi(argv[2]), inflight = atoi(argv[3]);
    double warmup = atof(argv[4]), measure = atof(argv[5]);
    inject(fd, inflight, payload);

    uint8_t buf[65536];
    uint64_t count = 0, start_count = 0;
    double t0 = now_s(), start = 0, cpu0 = 0, end = t0 + warmup + measure;
    int measuring = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) { if (errno == EINTR) continue; perror("read"); return 1; }
        if (!reflect(buf, (int)n)) continue;
        if (write(fd, buf, n) != n) { perror("write"); return 1; }
        count++;
        if ((count & 255) == 0) {
            double t = now_s();
            if (!measuring && t >= t0 + warmup) { measuring = 1; start = t; start_count = count; cpu0 = cpu_s(); }
            if (t >= end) { printf("%llu %.6f %.6f\n", (unsigned long long)(count - start_count), t - start, cpu_s() - cpu0); return 0; }
        }
    }
}
