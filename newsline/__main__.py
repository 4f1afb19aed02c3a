from newsline.cli import main

main()
