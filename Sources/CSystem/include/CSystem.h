#pragma once
// Linux system calls Glibc's Swift module does not export: epoll, eventfd, accept4, getrandom.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <unistd.h>

int csystem_accept4(int fd, int flags);
static const unsigned int CSYSTEM_EPOLLIN = EPOLLIN;
static const unsigned int CSYSTEM_EPOLLOUT = EPOLLOUT;
static const unsigned int CSYSTEM_EPOLLERR = EPOLLERR;
static const unsigned int CSYSTEM_EPOLLHUP = EPOLLHUP;
static const unsigned int CSYSTEM_EPOLLRDHUP = EPOLLRDHUP;
static const int CSYSTEM_SOCK_NONBLOCK = SOCK_NONBLOCK;
static const int CSYSTEM_SOCK_CLOEXEC = SOCK_CLOEXEC;
