" Vim compiler file for Rebate: `:make` checks the current file with `rebate check --format gnu` and
" fills the quickfix list with its diagnostics. g:rebate_executable names the binary (default `rebate`,
" looked up on PATH), e.g. let g:rebate_executable = '~/rebate/build/bin/rebate'.
if exists('current_compiler')
  finish
endif
let current_compiler = 'rebate'

if exists(':CompilerSet') != 2
  command -nargs=* CompilerSet setlocal <args>
endif

let s:cpo_save = &cpo
set cpo&vim

let s:exe = expand(get(g:, 'rebate_executable', 'rebate'))
execute 'CompilerSet makeprg=' . escape(s:exe . ' check --format gnu %:S', ' \|"')

" The gnu format (docs/diagnostics.md): FILE:LINE:COL: error: MESSAGE [CODE], the same with warning:, then
" FILE:LINE:COL: note: MESSAGE for each secondary place and FILE:LINE:COL: note: help: HELP. Problems with
" no place in a file (an unreadable file) are `rebate: error: MESSAGE [CODE]`. COL counts characters.
CompilerSet errorformat=
      \%f:%l:%c:\ %trror:\ %m,
      \%f:%l:%c:\ %tarning:\ %m,
      \%f:%l:%c:\ %tote:\ %m,
      \rebate:\ %trror:\ %m,
      \rebate:\ %tarning:\ %m,
      \%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save
