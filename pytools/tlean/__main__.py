from tlean.cli import main

main()
