" Rebate program files.
autocmd BufRead,BufNewFile *.rebate setfiletype rebate
