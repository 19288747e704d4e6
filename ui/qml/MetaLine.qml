import QtQuick

// "2024 · 1 h 32 min · [PG-13] · Drama, Sci-Fi" for a title item.
Row {
    id: meta
    property var title: null
    spacing: Theme.px(12)
    visible: !!(title && title.year)

    Label {
        text: meta.title && meta.title.year ? meta.title.year + "  ·  " + Theme.runtime(meta.title.durationS) : ""
        size: Theme.fontSmall
        color: Theme.textDim
        anchors.verticalCenter: parent.verticalCenter
    }
    Rectangle {
        visible: !!(meta.title && meta.title.rating)
        width: rating.implicitWidth + Theme.px(12)
        height: rating.implicitHeight + Theme.px(4)
        radius: Theme.px(4)
        color: "transparent"
        border.color: Theme.textFaint
        border.width: Math.max(1, Theme.px(1))
        anchors.verticalCenter: parent.verticalCenter
        Label {
            id: rating
            anchors.centerIn: parent
            text: (meta.title && meta.title.rating) || ""
            size: Theme.fontCaption
            font.weight: Font.DemiBold
            color: Theme.textDim
        }
    }
    Label {
        text: meta.title && meta.title.genres ? meta.title.genres.join(", ") : ""
        size: Theme.fontSmall
        color: Theme.textDim
        anchors.verticalCenter: parent.verticalCenter
    }
}
