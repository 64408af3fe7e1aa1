"""The four sentences of the seed notebook's first cell (docs: the project's seed,
calculating-similarity.md), used by the golden-file scripts that reproduce the seed's results."""

SEED_SENTENCES = [
    "Today's consumers want options that help them take control of their financial lives on the go. CardValet from Fiserv is a mobile app that allows financial institutions to deliver the experiences consumers expect by enabling them to define when, where and how their cards are used.",
    "Consumer’s want options that let them take control of their financial lives on the go. CardValet from Fiserv is a mobile app that helps banks deliver consumer experiences by enabling them to define when, where and how their cards are used.",
    "CardValet from Fiserv is a mobile app that consumers expect them to enable their cards and define when their cards are used. CardValet can be used as A branded app that can be integrated via single sign-on with your mobile banking platform giving cardholders a seamless banking experience",
    "Standing on one's head at job interviews forms a lasting impression.",
]
