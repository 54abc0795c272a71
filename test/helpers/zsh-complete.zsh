# zsh -f zsh-complete.zsh SCRIPT LINE...: what zsh's completion offers for each LINE (TAB at its
# end), one match a line, each LINE's followed by a line <<NEXT>>, with SCRIPT sourced. Completion
# runs only inside zle, so an interactive zsh is started on a pseudo-terminal (zpty) and each
# LINE typed into it, then TAB.
zmodload zsh/zpty || exit 2
local hits=$(mktemp)
zpty z zsh -f -i
zpty -w z "PS1='' RPS1=''; autoload -Uz compinit; compinit -u -D"
zpty -w z "source ${(q)1}"
# every compadd that adds matches (not those -O, -A, -D that only ask) also writes them down
zpty -w z "compadd() { local -a m; if [[ \${(j: :)@} != *-[OAD]* ]]; then builtin compadd -O m \"\$@\"; print -rl -- \$m >> ${(q)hits}; fi; builtin compadd \"\$@\"; }"
# ^T, once the TAB before it is done, ends the line's matches, empties the line and prints a mark
# (split in the source, so that the echo of this definition does not match it). ^T, as no
# prefix of other keys is: after ^X zle would wait KEYTIMEOUT for a second key.
zpty -w z "_done() { print -r -- '<<NEXT>>' >> ${(q)hits}; BUFFER=''; print -r -- '<<''DONE>>'; }; zle -N _done; bindkey '^T' _done"
local line out
for line in $argv[2,-1]; do
  zpty -w -n z "$line"$'\t\x14'
  zpty -r z out '*<<DONE>>*'
done
zpty -d z
cat $hits
rm -f $hits
