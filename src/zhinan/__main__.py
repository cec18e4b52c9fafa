from zhinan.cli import main

main()
