#!/usr/bin/env python3
"""Embed a text file into a C source as a NUL-terminated char array.

usage: embed_text.py SYMBOL INPUT OUTPUT
"""
import sys

sym, src, dst = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('/* generated from %s by scripts/embed_text.py; do not edit */\n' % src)
    out.write('const char %s[] = {\n' % sym)
    for i in range(0, len(data), 16):
        out.write('  ' + ', '.join('0x%02x' % b for b in data[i:i + 16]) + ',\n')
    out.write('  0x00\n};\n')
