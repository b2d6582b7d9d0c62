/* Shared by the C contestants of the closed-loop TUN benchmark (see README.md): attach to an existing
 * TUN device, inject the packets in flight, reflect a packet exactly as the C# ReflectProcessor does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOT 2048

static int tun_attach(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("open /dev/net/tun"); exit(2); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(2); }
    /* Packets routed to the device before the link watcher saw the carrier come up meet a dropping
     * qdisc: wait for IFF_RUNNING before injecting (the C# harness does the same). */
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    for (int i = 0; i < 2500; i++) {
        struct ifreq q;
        memset(&q, 0, sizeof q);
        strncpy(q.ifr_name, name, IFNAMSIZ - 1);
        if (ioctl(sock, SIOCGIFFLAGS, &q) == 0 && (q.ifr_flags & IFF_RUNNING)) break;
        usleep(2000);
    }
    close(sock);
    return fd;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* IPv4/UDP 10.99.1.1:1000 -> 10.99.1.2:2000, TTL 64, no UDP checksum. Returns the length. */
static int build_packet(uint8_t *p, int payload)
{
    int len = 28 + payload;
    memset(p, 0, len);
    p[0] = 0x45; p[2] = len >> 8; p[3] = len & 0xff; p[8] = 64; p[9] = 17;
    uint8_t addrs[8] = {10, 99, 1, 1, 10, 99, 1, 2};
    memcpy(p + 12, addrs, 8);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (p[i] << 8) | p[i + 1];
    uint16_t c = ~fold(sum);
    p[10] = c >> 8; p[11] = c & 0xff;
    p[20] = 1000 >> 8; p[21] = 1000 & 0xff; p[22] = 2000 >> 8; p[23] = 2000 & 0xff;
    p[24] = (8 + payload) >> 8; p[25] = (8 + payload) & 0xff;
    return len;
}

static void inject(int fd, int inflight, int payload)
{
    uint8_t p[SLOT];
    int len = build_packet(p, payload);
    for (int i = 0; i < inflight; i++)
        if (write(fd, p, len) != len) { perror("inject"); exit(2); }
}

/* Swap source and destination (the checksums do not change), restore TTL 64 with an RFC 1624 update. */
static inline int reflect(uint8_t *p, int len)
{
    if (len < 20 || (p[0] >> 4) != 4) return 0;
    uint32_t src;
    memcpy(&src, p + 12, 4);
    memcpy(p + 12, p + 16, 4);
    memcpy(p + 16, &src, 4);
    uint16_t old_word = (p[8] << 8) | p[9];
    p[8] = 64;
    uint16_t new_word = (64 << 8) | p[9];
    uint16_t hc = (p[10] << 8) | p[11];
    uint32_t sum = (uint16_t)~hc + (uint16_t)~old_word + new_word;
    uint16_t c = ~fold(sum);
    p[10] = c >> 8; p[11] = c & 0xff;
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time (user + system) of this process so far, in seconds: the harness reports CPU per packet too. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s IFNAME PAYLOAD INFLIGHT WARMUP_S MEASURE_S\n", prog);
    exit(2);
}
