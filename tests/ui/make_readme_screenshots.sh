#!/bin/sh
# The README's screenshots: the real window on an X server (Xvfb) at 1280x800 and 1920x1080,
# light and dark, saved with ImageMagick's `import -window root` and reduced to 256 colours
# (each under 300 KB). Needs: apt-get install -y xvfb imagemagick
# Run from the checkout: sh tests/ui/make_readme_screenshots.sh
set -eu
out=resources/screenshots
work=$(mktemp -d)
for size in 1280x800 1920x1080; do
    xvfb-run -a -s "-screen 0 ${size}x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python tests/ui/make_layout_screenshots.py --screen "$size" --root-shot "$work"
    for theme in light dark; do
        convert "$work/claims-$size-$theme.png" -colors 256 "PNG8:$out/claims-$size-$theme.png"
        echo "wrote $out/claims-$size-$theme.png ($(wc -c < "$out/claims-$size-$theme.png") bytes)"
    done
done
# The README's first picture (the studies view) and its claims-view picture.
convert "$work/studies-1280x800-light.png" -colors 256 "PNG8:$out/main-window.png"
convert "$work/claims-1920x1080-light.png" -colors 256 "PNG8:$out/claims.png"
echo "wrote $out/main-window.png and $out/claims.png"
rm -rf "$work"
