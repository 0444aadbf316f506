/*
 * The native dpctl: one command over the daemon's command socket in a few milliseconds, where the
 * Java client (io.dataplane.control.daemon.Dpctl) needs a JVM start (0.5-0.9 s). It speaks the
 * socket protocol of control/CommandServer and control/Reply: the command as one line; the answer
 * "ok", "error: MESSAGE", or output lines ending with "." (a line starting with "." comes with one
 * more "."). Its messages and exit statuses are the Java client's word for word (DpctlNativeTest
 * compares the two): 0 success, 1 the command failed, 2 usage, 3 the daemon cannot be reached.
 *
 * It serves the common case only: `dpctl [--socket PATH] [-j] OBJECT COMMAND [ARGS...]`. Everything
 * else (--help, --version, -batch, monitor, any other option before the command, usage errors) it hands to
 * the Java client, so that the option grammar, batches and the help text have one implementation:
 * it runs $DPCTL_JAVA (bin/dpctl) with the same arguments and DPCTL_CLIENT=java.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/dataplane/dataplane.sock"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

/* Runs the Java client with our arguments; returns only if it cannot. */
static int hand_over(char **argv) {
    const char *java = getenv("DPCTL_JAVA");
    if (java == NULL || *java == '\0') {
        fprintf(stderr, "dpctl: --help, --version, -batch and options other than -j and --socket are the Java client's: "
                        "run bin/dpctl (the native client found no DPCTL_JAVA to hand over to)\n");
        return EXIT_USAGE;
    }
    setenv("DPCTL_CLIENT", "java", 1);
    argv[0] = (char *)java;
    execv(java, argv);
    fprintf(stderr, "dpctl: cannot run the Java client %s: %s\n", java, strerror(errno));
    return EXIT_USAGE;
}

/* The path as java.nio.file.Path prints it: repeated slashes collapsed, no trailing slash. */
static void normalize(const char *in, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = in; *p != '\0' && n + 1 < size; p++) {
        if (*p == '/' && n > 0 && out[n - 1] == '/') {
            continue;
        }
        out[n++] = *p;
    }
    if (n > 1 && out[n - 1] == '/') {
        n--;
    }
    out[n] = '\0';
}

static int connect_to(const char *socket_path, const char *shown) {
    struct stat st;
    if (stat(socket_path, &st) != 0) {
        fprintf(stderr, "dpctl: the dataplane daemon is not running (no socket at %s); start it with 'bin/dataplane run', "
                        "or pass --socket PATH\n", shown);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "dpctl: cannot connect to %s: %s\n", shown, strerror(errno));
        return -1;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, socket_path, strlen(socket_path));
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        if (e == EACCES || e == EPERM) {
            fprintf(stderr, "dpctl: permission denied on %s: run as root or as a member of the daemon's group\n", shown);
        } else if (e == ECONNREFUSED) {
            fprintf(stderr, "dpctl: the dataplane daemon is not running (%s exists but nobody answers: a stale socket); "
                            "start it with 'bin/dataplane run'\n", shown);
        } else {
            fprintf(stderr, "dpctl: cannot connect to %s: %s\n", shown, strerror(e));
        }
        return -1;
    }
    return fd;
}

/* A reader of lines as java.io.BufferedReader.readLine splits them: at "\n", "\r" or "\r\n". */
struct lines {
    int fd;
    char buf[65536];
    size_t start, end;
    int skip_lf; /* the last line ended with '\r': a '\n' right after it belongs to it */
    int error;   /* errno of a failed read */
    char *line;
    size_t length, capacity;
};

/* 1: a line is in l->line (NUL-terminated); 0: end of stream before any byte of a line; -1: read error. */
static int read_line(struct lines *l) {
    l->length = 0;
    int any = 0;
    for (;;) {
        if (l->start == l->end) {
            ssize_t n;
            do {
                n = read(l->fd, l->buf, sizeof l->buf);
            } while (n < 0 && errno == EINTR);
            if (n < 0) {
                l->error = errno;
                return -1;
            }
            if (n == 0) {
                if (!any) {
                    return 0;
                }
                break;
            }
            l->start = 0;
            l->end = (size_t)n;
        }
        char c = l->buf[l->start++];
        if (l->skip_lf) {
            l->skip_lf = 0;
            if (c == '\n') {
                continue;
            }
        }
        if (c == '\n') {
            break;
        }
        if (c == '\r') {
            l->skip_lf = 1;
            break;
        }
        any = 1;
        if (l->length + 2 > l->capacity) {
            l->capacity = l->capacity == 0 ? 4096 : l->capacity * 2;
            l->line = realloc(l->line, l->capacity);
            if (l->line == NULL) {
                fprintf(stderr, "dpctl: out of memory\n");
                exit(EXIT_UNREACHABLE);
            }
        }
        l->line[l->length++] = c;
    }
    if (l->line == NULL) {
        l->capacity = 1;
        l->line = malloc(1);
    }
    l->line[l->length] = '\0';
    return 1;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    /* A closed stdout (dpctl ... | head -1) is not an error, as for the Java client's System.out. */
    signal(SIGPIPE, SIG_IGN);
    const char *socket_path = DEFAULT_SOCKET;
    int first = 1;
    while (first < argc && strcmp(argv[first], "--socket") == 0) {
        if (first + 1 >= argc) {
            return hand_over(argv); /* the usage error is the Java client's */
        }
        socket_path = argv[first + 1];
        first += 2;
    }
    /* Only -j may come before the command; anything else with a dash there is an option of the Java client's. */
    int object = first;
    while (object < argc && (strcmp(argv[object], "-j") == 0 || strcmp(argv[object], "-json") == 0)) {
        object++;
    }
    /* monitor streams until interrupted: the Java client's (2 letters at least: 'm' is ip's maddress) */
    int monitor = object < argc && strlen(argv[object]) >= 2 && strncmp("monitor", argv[object], strlen(argv[object])) == 0;
    if (first >= argc || (object < argc && argv[object][0] == '-') || strcmp(argv[first], "help") == 0 || monitor) {
        return hand_over(argv);
    }
    size_t length = 0;
    for (int i = first; i < argc; i++) {
        for (const unsigned char *p = (const unsigned char *)argv[i]; *p != '\0'; p++) {
            if (*p >= 0x80) {
                return hand_over(argv); /* the JVM decodes arguments by the locale; leave that to it */
            }
        }
        length += strlen(argv[i]) + 1;
    }
    if (strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        return hand_over(argv);
    }
    char shown[sizeof(((struct sockaddr_un *)0)->sun_path)];
    normalize(socket_path, shown, sizeof shown);

    char *command = malloc(length + 1);
    if (command == NULL) {
        fprintf(stderr, "dpctl: out of memory\n");
        return EXIT_UNREACHABLE;
    }
    size_t n = 0;
    for (int i = first; i < argc; i++) {
        size_t k = strlen(argv[i]);
        memcpy(command + n, argv[i], k);
        n += k;
        command[n++] = i + 1 < argc ? ' ' : '\n';
    }

    int fd = connect_to(socket_path, shown);
    if (fd < 0) {
        return EXIT_UNREACHABLE;
    }
    /* A refused client finds the connection closed on writing; the refusal is still there to read. */
    int write_error = write_all(fd, command, n);
    struct lines in = {.fd = fd};
    int r = read_line(&in);
    if (r <= 0) {
        const char *why = write_error != 0 ? strerror(write_error)
                : r < 0 ? strerror(in.error) : "the daemon closed the connection without replying";
        fprintf(stderr, "dpctl: lost the connection to the daemon at %s: %s\n", shown, why);
        return EXIT_UNREACHABLE;
    }
    if (strcmp(in.line, "ok") == 0) {
        return EXIT_OK;
    }
    if (strncmp(in.line, "error: ", 7) == 0) {
        fprintf(stderr, "dpctl: %s\n", in.line + 7);
        return EXIT_FAILED;
    }
    while (strcmp(in.line, ".") != 0) {
        const char *text = strncmp(in.line, "..", 2) == 0 ? in.line + 1 : in.line;
        fputs(text, stdout);
        fputc('\n', stdout);
        r = read_line(&in);
        if (r <= 0) {
            fflush(stdout);
            fprintf(stderr, "dpctl: lost the connection to the daemon at %s: %s\n", shown,
                    r < 0 ? strerror(in.error) : "the daemon closed the connection in the middle of a reply");
            return EXIT_UNREACHABLE;
        }
    }
    fflush(stdout);
    return EXIT_OK;
}
