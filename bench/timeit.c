/* timeit - run a command; print its wall time, peak RSS, CPU time and
 * page faults.
 *
 * usage: timeit CMD [ARG...]
 *   -> "SECONDS MAXRSS_KIB CPU_SECONDS MINOR_FAULTS" on stderr
 * (CPU seconds, user + system, move far less than wall time on a shared
 * machine; on a virtual machine page faults are a cost of their own.)
 * A small C parent, so the child's peak RSS is its own (a Python parent
 * forking itself would count its own image before exec).
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: timeit CMD [ARG...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    fprintf(stderr, "%.4f %ld %.3f %ld\n", s, ru.ru_maxrss, cpu, ru.ru_minflt);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
