" Vim filetype plugin for Rebate programs (.rebate).
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1
let s:cpo_save = &cpo
set cpo&vim

" Comments: `//` lines, `///` doc comments (continued on a new line), `/* */` blocks.
setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,:///,://
setlocal formatoptions-=t formatoptions+=croql
" The project's layout: four spaces, no tabs.
setlocal expandtab shiftwidth=4 softtabstop=4
" `gf` on an import: import "../shared/partners" names ../shared/partners.rebate.
setlocal suffixesadd=.rebate

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop<'
      \ . ' suffixesadd<'

" :make runs `rebate check --format gnu` on the file (compiler/rebate.vim); let g:rebate_no_compiler = 1
" keeps your own 'makeprg'.
if !get(g:, 'rebate_no_compiler', 0)
  compiler rebate
  let b:undo_ftplugin .= ' | setlocal makeprg< errorformat<'
endif

let &cpo = s:cpo_save
unlet s:cpo_save
