#pragma once

namespace teksin::department_worker {
int Run();
}  // namespace teksin::department_worker
