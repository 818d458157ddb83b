// The one translation unit that builds the precompiled <gtest/gtest.h> every test binary
// reuses (tests/CMakeLists.txt). It has nothing of its own.
