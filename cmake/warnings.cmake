# Strict warnings for the project's own code; generated ANTLR code opts out in grammar/CMakeLists.txt.
function(rebate_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wimplicit-fallthrough -Wswitch -Werror=switch -Wno-missing-field-initializers)
endfunction()
