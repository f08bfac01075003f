// cmake/x86_64_level.cmake's test: exit 0 when the machine that builds runs x86-64-v3 code.
#include "core/cpu_level.h"

int main() { return rebate::cpu_runs_x86_64_level(3) ? 0 : 1; }
