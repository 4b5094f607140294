#include "common/io_ring.h"

#include <cerrno>

namespace otc {

IoRing::~IoRing() {
  if (initialized_) io_uring_queue_exit(&ring_);
}

Status IoRing::Init(unsigned entries) {
  int rc = io_uring_queue_init(entries, &ring_, 0);
  if (rc < 0) return Status::FromErrno(-rc, "setting up io_uring");
  initialized_ = true;
  return Status::Ok();
}

Result<io_uring_sqe*> IoRing::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    Status s = Submit();
    if (!s.ok()) return s;
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) return Status::Internal("io_uring submission queue is full");
  }
  return sqe;
}

Status IoRing::Queue(io_uring_sqe* sqe, uint64_t tag, Pending pending) {
  io_uring_sqe_set_data64(sqe, tag);
  pending_[tag] = pending;
  ++in_flight_;
  return Status::Ok();
}

Status IoRing::Write(BulkFile& file, const void* buf, size_t len, uint64_t offset, uint64_t tag) {
  Result<io_uring_sqe*> sqe = GetSqe();
  if (!sqe.ok()) return sqe.status();
  io_uring_prep_write(*sqe, file.FdFor(buf, offset, len), buf, static_cast<unsigned>(len), offset);
  return Queue(*sqe, tag, {&file, BulkOp::kWrite, offset, len});
}

Status IoRing::Read(BulkFile& file, void* buf, size_t len, uint64_t offset, uint64_t tag) {
  Result<io_uring_sqe*> sqe = GetSqe();
  if (!sqe.ok()) return sqe.status();
  io_uring_prep_read(*sqe, file.FdFor(buf, offset, len), buf, static_cast<unsigned>(len), offset);
  return Queue(*sqe, tag, {&file, BulkOp::kRead, offset, len});
}

Status IoRing::DataSync(BulkFile& file, uint64_t tag) {
  Result<io_uring_sqe*> sqe = GetSqe();
  if (!sqe.ok()) return sqe.status();
  io_uring_prep_fsync(*sqe, file.SyncFd(), IORING_FSYNC_DATASYNC);
  return Queue(*sqe, tag, {&file, BulkOp::kSync, 0, 0});
}

Status IoRing::ReadRaw(int fd, void* buf, size_t len, uint64_t tag) {
  Result<io_uring_sqe*> sqe = GetSqe();
  if (!sqe.ok()) return sqe.status();
  io_uring_prep_read(*sqe, fd, buf, static_cast<unsigned>(len), 0);
  return Queue(*sqe, tag, {nullptr, BulkOp::kRead, 0, len});
}

Status IoRing::Submit() {
  while (true) {
    int rc = io_uring_submit(&ring_);
    if (rc >= 0) return Status::Ok();
    if (rc == -EINTR || rc == -EAGAIN) continue;
    return Status::FromErrno(-rc, "submitting to io_uring");
  }
}

IoRing::Completion IoRing::Reap(io_uring_cqe* cqe) {
  Completion c{io_uring_cqe_get_data64(cqe), cqe->res};
  io_uring_cqe_seen(&ring_, cqe);
  --in_flight_;
  auto it = pending_.find(c.tag);
  if (it != pending_.end()) {
    const Pending p = it->second;
    pending_.erase(it);
    if (p.file != nullptr) c.result = p.file->Complete(p.op, p.offset, p.length, c.result);
  }
  return c;
}

std::optional<IoRing::Completion> IoRing::Peek() {
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(&ring_, &cqe) != 0 || cqe == nullptr) return std::nullopt;
  return Reap(cqe);
}

Result<std::optional<IoRing::Completion>> IoRing::Wait(std::chrono::milliseconds timeout) {
  if (auto c = Peek()) return std::optional<Completion>(*c);
  __kernel_timespec ts{};
  ts.tv_sec = timeout.count() / 1000;
  ts.tv_nsec = (timeout.count() % 1000) * 1000000;
  io_uring_cqe* cqe = nullptr;
  int rc = io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
  if (rc == -ETIME || rc == -EINTR) return std::optional<Completion>();
  if (rc < 0) return Status::FromErrno(-rc, "waiting for io_uring");
  return std::optional<Completion>(Reap(cqe));
}

Result<IoRing::Completion> IoRing::WaitForever() {
  while (true) {
    io_uring_cqe* cqe = nullptr;
    int rc = io_uring_wait_cqe(&ring_, &cqe);
    if (rc == -EINTR) continue;
    if (rc < 0) return Status::FromErrno(-rc, "waiting for io_uring");
    return Reap(cqe);
  }
}

}  // namespace otc
